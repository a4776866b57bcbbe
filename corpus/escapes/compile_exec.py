# expect: deny
# family: dynamic-code
# rules: dynamic-code
# note: compile then exec
code = compile('print(1)', '<s>', 'exec')
exec(code)
