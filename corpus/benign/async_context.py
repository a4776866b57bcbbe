# expect: allow
# note: async with and async for
import asyncio


class Resource:
    async def __aenter__(self):
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc):
        return False


async def ticks(n: int):
    for i in range(n):
        await asyncio.sleep(0)
        yield i


async def main() -> None:
    async with Resource():
        print([i async for i in ticks(3)])


asyncio.run(main())
