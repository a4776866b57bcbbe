# expect: allow
# note: textwrap and string formatting
import textwrap
import string

para = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor."
print(textwrap.fill(para, width=30))
print(textwrap.dedent("""
    indented
      more
"""))
tmpl = string.Template("Hello $name")
print(tmpl.substitute(name="World"), string.ascii_lowercase[:5])
print("{:>8.3f}|{:<6}|{:^7}".format(3.14159, "ab", "mid"))
