"""The tagging core: data sets, captions, history, checks and exports, with no Jupyter.

Everything here runs in a plain Python process; nothing imports anywidget, ipywidgets,
traitlets or IPython (tests/test_layers.py proves it). The package root re-exports the public
names; the modules here are internal.
"""
