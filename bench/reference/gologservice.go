// gologservice - a stand-in for the original system's log service, for
// calibrating bench/log.sh on the machine of the day.
//
// The original's log service is a Go net/http server whose POST /log
// appends the body, with a timestamp, to one file through the standard
// library's log package, and answers 200. This program does that and
// nothing more, in our own words, so that dgo can be compared with it under
// the same load at the same moment: the shared test machines vary by a
// third from hour to hour, more than the margin of the target.
//
// Usage: gologservice ADDR FILE
package main

import (
	"io"
	"log"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: gologservice ADDR FILE")
	}
	f, err := os.OpenFile(os.Args[2], os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0600)
	if err != nil {
		log.Fatal(err)
	}
	central := log.New(f, "go: ", log.LstdFlags)
	http.HandleFunc("/log", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		msg, err := io.ReadAll(r.Body)
		if err != nil || len(msg) == 0 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		central.Printf("%v\n", string(msg))
	})
	log.Fatal(http.ListenAndServe(os.Args[1], nil))
}
