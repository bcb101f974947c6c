"""`python -m cli`: the hark command without its console script."""

from cli.main import app

app(prog_name="hark")
