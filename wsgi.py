from hallapp import create_app

app = create_app()
