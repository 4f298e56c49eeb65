"""python -m bench.loop asyncio|uvloop MODULE [ARGS...]: a service's module run on that event
loop, for `bench loops` and `bench serving --loop`. The services run on asyncio's own loop
(uvloop did not win: docs/benchmarks.md); this sets the policy asyncio.run asks for its loop
(common/serving.py), so nothing in the services needs to know. One process only: the workers
of `API_WORKERS` above 1 start afresh, on asyncio's loop."""

import asyncio
import runpy
import sys

import uvloop

POLICIES = {"asyncio": asyncio.DefaultEventLoopPolicy, "uvloop": uvloop.EventLoopPolicy}
SHIPPED = "asyncio"


def new_event_loop(loop: str) -> asyncio.AbstractEventLoop:
    return POLICIES[loop]().new_event_loop()


if __name__ == "__main__":
    loop, module, *args = sys.argv[1:]
    asyncio.set_event_loop_policy(POLICIES[loop]())
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
