# A team rule added to the default pywarden policy (see examples/ci-policy/README.md).
package pywarden

# METADATA
# title: no-sleep
# description: A call of time.sleep.
# custom:
#   why: Sleeping spends the sandbox's wall-clock budget without computing anything.
#   example: "import time; time.sleep(10)"
#   negative: "import time; time.time()"
deny contains v if {
	some c in idx.calls["time.sleep"]
	v := violation("no-sleep", c, "time.sleep wastes the sandbox's time budget")
}
