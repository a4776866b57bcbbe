# Tests of the team rule, run by `pywarden policy test --policy-dir DIR` (see ci-check.sh).
package pywarden_test

sleep_call := {"calls": [{"func": "time.sleep", "args": [null], "nargs": 1, "constant_args": false, "line": 2, "column": 1}]}

time_call := {"calls": [{"func": "time.time", "args": [], "nargs": 0, "constant_args": true, "line": 2, "column": 1}]}

test_no_sleep_denies_time_sleep if {
	"no-sleep" in {v.rule | some v in data.pywarden.deny} with input as sleep_call
}

test_no_sleep_ignores_other_time_calls if {
	not "no-sleep" in {v.rule | some v in data.pywarden.deny} with input as time_call
}

test_no_sleep_is_medium_and_denies if {
	d := data.pywarden.decision with input as sleep_call
	not d.allowed
	some v in d.violations
	v.rule == "no-sleep"
	v.severity == "medium"
	v.family == "time"
}
