# expect: allow
# note: enum state machine with match
from enum import Enum


class State(Enum):
    IDLE = "idle"
    RUNNING = "running"
    DONE = "done"


def advance(state: State, event: str) -> State:
    match (state, event):
        case (State.IDLE, "start"):
            return State.RUNNING
        case (State.RUNNING, "finish"):
            return State.DONE
        case _:
            return state


s = State.IDLE
for e in ["start", "noop", "finish"]:
    s = advance(s, e)
print(s)
