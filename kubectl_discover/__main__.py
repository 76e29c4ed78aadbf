"""``python -m kubectl_discover``."""

from kubectl_discover.cli import main

if __name__ == "__main__":
    main()
