# expect: allow
# note: asyncio.wait_for and tasks
import asyncio


async def slow() -> str:
    await asyncio.sleep(0.05)
    return "slow"


async def main() -> None:
    task = asyncio.create_task(slow())
    try:
        print(await asyncio.wait_for(task, timeout=1))
    except asyncio.TimeoutError:
        print("timed out")


asyncio.run(main())
