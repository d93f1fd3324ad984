# A process whose pid keeps hopping: it forks, leaves a new process group and exits, in a loop.
# A stop that walks the tree, or signals one process group, races it; argv[1] marks every hop.
import os
import sys
import time

marker = sys.argv[1]
# Whatever stops it or not, it ends by itself a minute from now: a test must not leave it running.
deadline = time.time() + 60
while time.time() < deadline:
    if os.fork():
        os._exit(0)
    os.setpgid(0, 0)
    time.sleep(0.02)
