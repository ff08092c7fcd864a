"""Start a stand-in from cached bytecode: python3 launch.py SERVER.py [ARGS...]

A script run directly is compiled on every start (kube-server.py is 3,500
lines: tens of milliseconds a start, hundreds of starts a suite); loaded as
a module, its bytecode is cached, and so is PyYAML's, which Debian ships
without.  make check sets STANDIN_PYCACHE to a directory of the build tree:
the cache goes there, never into the (possibly read-only) source tree;
without it nothing is written.  (Not PYTHONPYCACHEPREFIX: that would move
the cache of every Python the tests start, and those that may not write
it, PYTHONDONTWRITEBYTECODE, would compile the standard library anew.)
"""

import importlib.util
import os
import sys


def main():
    if os.environ.get("STANDIN_PYCACHE"):
        sys.pycache_prefix = os.environ["STANDIN_PYCACHE"]
    sys.dont_write_bytecode = sys.pycache_prefix is None
    here = os.path.dirname(os.path.abspath(__file__))
    name = os.path.splitext(sys.argv[1])[0].replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, os.path.join(here, sys.argv[1]))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod.main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
