# expect: allow
# note: hello world
print("Hello, World!")
