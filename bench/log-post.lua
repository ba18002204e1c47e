-- POST /log with a ~100-byte message in the original protocol.
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/plain"
wrk.body = "[Bench] - grade recorded: student 1 Quiz 3 score 88, request served by the teacher portal gateway"
