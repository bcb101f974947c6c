from hark.cli.main import app

app(prog_name="hark")
