"""``gigaplan app``: a local web app over the library (see :mod:`gigaplan.app.web`)."""
