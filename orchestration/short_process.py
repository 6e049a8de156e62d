"""Garbage-collection settings for the project's processes: `rare-earth`, dbt as the project runs it, and
every process that loads the Dagster code location.

Importing Dagster, dbt and Great Expectations creates hundreds of thousands of long-lived objects. With
Python's default thresholds the cyclic collector walks them again and again while they are created, and
once more, all of them, when the interpreter exits: about 1.3 s of every dbt build, 3 s of loading the code location and
3 s of every `rare-earth load`'s exit. The project creates little cyclic garbage, so collections are made
rarer, and the final walk is skipped (the operating system frees the memory of an ending process anyway).
"""

import atexit
import gc

# A young-generation collection after every 100,000 net allocations instead of 700 (older generations as
# Python's defaults would, relative to it).
YOUNG_THRESHOLD = 100_000


def collect_rarely() -> None:
    gc.set_threshold(YOUNG_THRESHOLD, 10, 10)
    atexit.unregister(gc.freeze)  # once, however many entry points ask
    atexit.register(gc.freeze)  # atexit runs before the interpreter's final collection
