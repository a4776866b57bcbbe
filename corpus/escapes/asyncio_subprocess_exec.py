# expect: deny
# family: module-members
# rules: module-member-leak
# note: create_subprocess_exec
import asyncio
asyncio.run(asyncio.create_subprocess_exec('ls'))
