"""The platform kernel: what every app builds on (the error model, the app declarations).

It imports no other app of the project; every other app may import it.
"""
