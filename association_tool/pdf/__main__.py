"""`python -m association_tool.pdf --worker`: the render process that RenderWorker starts."""
import sys

from .worker import serve

if "--worker" in sys.argv[1:]:
    sys.exit(serve())
