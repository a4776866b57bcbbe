# expect: allow
# note: asyncio producer/consumer
import asyncio


async def producer(q: asyncio.Queue) -> None:
    for i in range(3):
        await q.put(i)
    await q.put(None)


async def consumer(q: asyncio.Queue) -> list:
    seen = []
    while True:
        item = await q.get()
        if item is None:
            break
        seen.append(item)
    return seen


async def main() -> None:
    q: asyncio.Queue = asyncio.Queue()
    _, seen = await asyncio.gather(producer(q), consumer(q))
    print(seen)


asyncio.run(main())
