# expect: allow
# note: asyncio gather and sleep
import asyncio


async def fetch(i: int) -> int:
    await asyncio.sleep(0.01)
    return i * i


async def main() -> None:
    results = await asyncio.gather(*(fetch(i) for i in range(5)))
    print(results)


asyncio.run(main())
