"""Entry point: `flask --app app run` finds the application here."""
from association_tool import create_app

app = create_app()
