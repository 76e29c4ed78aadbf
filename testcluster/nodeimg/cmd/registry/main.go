// Command registry serves an in-memory OCI distribution registry for the
// test cluster's real nodes (containerd pulls every image from it).
//
// It runs inside the cluster's network namespace only. The harness pushes the
// images it built (see testcluster/images.py) after it starts; a reference the
// registry does not hold answers 404, so a pull of it really fails.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:5000", "address to serve the registry on")
	flag.Parse()
	srv := &http.Server{
		Addr:              *listen,
		Handler:           registry.New(registry.Logger(log.New(os.Stderr, "", log.LstdFlags))),
		ReadHeaderTimeout: 30 * time.Second,
	}
	log.Printf("registry listening on %s", *listen)
	log.Fatal(srv.ListenAndServe())
}
