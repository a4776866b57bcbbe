# expect: deny
# family: module-members
# rules: module-member-leak
# note: asyncio network
import asyncio

async def main():
    r, w = await asyncio.open_connection('example.com', 80)
    w.close()

asyncio.run(main())
