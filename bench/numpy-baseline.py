"""numpy's load + solve of the bench data, for information: loadtxt, then lstsq with an intercept.

    python3 bench/numpy-baseline.py DATA.CSV

Writes CPU seconds and peak resident memory as JSON to file descriptor 3.
"""
import json
import os
import resource
import sys
import time

import numpy as np

data = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
x = np.column_stack([np.ones(len(data)), data[:, :-1]])
coef, *_ = np.linalg.lstsq(x, data[:, -1], rcond=None)
usage = resource.getrusage(resource.RUSAGE_SELF)
os.write(
    3,
    json.dumps(
        {
            "check": f"{len(data)} rows, x20 coefficient {coef[20]:.8g}",
            "cpuSeconds": usage.ru_utime + usage.ru_stime,
            "maxRssMb": usage.ru_maxrss / 1024,
        }
    ).encode(),
)
