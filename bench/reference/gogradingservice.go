// gogradingservice - a stand-in for the original system's grading service,
// for calibrating bench/grading.sh on the machine of the day.
//
// The original keeps the students in memory behind a mutex and, for each
// GET /students or GET /students/{id}, encodes them as JSON with the
// standard library. This program does that for the sample students of
// data/students.json and nothing more, in our own words, so that dgo can be
// compared with it under the same load at the same moment.
//
// Usage: gogradingservice ADDR STUDENTS.json
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
)

type grade struct {
	Title string
	Type  string
	Score float64
}

type student struct {
	ID        int
	FirstName string
	LastName  string
	Grades    []grade
}

var (
	mu       sync.Mutex
	students []student
)

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: gogradingservice ADDR STUDENTS.json")
	}
	data, err := os.ReadFile(os.Args[2])
	if err != nil {
		log.Fatal(err)
	}
	if err := json.Unmarshal(data, &students); err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("/students", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(students)
	})
	http.HandleFunc("/students/", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/students/"))
		mu.Lock()
		defer mu.Unlock()
		for i := range students {
			if err == nil && students[i].ID == id {
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(students[i])
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
	})
	log.Fatal(http.ListenAndServe(os.Args[1], nil))
}
