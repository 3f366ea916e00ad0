from wms.cli import app

app()
