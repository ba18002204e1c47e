#!/usr/bin/env python3
"""make-gradebook.py STUDENTS GRADES [FILE] - write a grade book in the JSON
shape of the original protocol (and of dgo's students.json before SQLite):
STUDENTS students with GRADES grades each, IDs 1..STUDENTS. For tests and
benchmarks of school-sized books; deterministic."""
import json
import sys

TYPES = ("Quiz", "Test", "Exam", "Homework")


def book(students, grades):
    for i in range(1, students + 1):
        yield {"ID": i, "FirstName": "First%d" % i, "LastName": "Last%d" % i,
               "Grades": [{"Title": "Grade %d" % k, "Type": TYPES[k % 4], "Score": (i * 7 + k * 13) % 101}
                          for k in range(grades)]}


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    out = open(sys.argv[3], "w") if len(sys.argv) == 4 else sys.stdout
    out.write("[\n")
    for n, s in enumerate(book(int(sys.argv[1]), int(sys.argv[2]))):
        out.write((",\n" if n else "") + json.dumps(s, separators=(",", ":")))
    out.write("\n]\n")
    out.close()


if __name__ == "__main__":
    main()
