# expect: deny
# family: module-members
# rules: module-member-leak
# note: asyncio subprocess shell
# effect: stdout uid=
import asyncio

async def main():
    p = await asyncio.create_subprocess_shell('id')
    await p.wait()

asyncio.run(main())
