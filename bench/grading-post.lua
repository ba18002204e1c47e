-- POST /students/{random}/grades, a grade in the original protocol, spread over
-- the STUDENTS students of the book (env STUDENTS, default 5) so that no student
-- reaches the limit of 1,000 grades during a run.
local students = tonumber(os.getenv("STUDENTS") or "5")
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
    n = n + 1
    return wrk.format(nil, "/students/" .. math.random(1, students) .. "/grades", nil,
                      '{"Title":"Bench ' .. n .. '","Type":"Quiz","Score":75}')
end
