# expect: deny
# family: builtins-recovery
# rules: builtins-recovery
# note: closure cells
def outer():
    secret = 1
    def inner():
        return secret
    return inner

cell = outer().__closure__[0]
print(cell.cell_contents)
