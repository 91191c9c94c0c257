"""The view's logic, apart from the widget's plumbing: what the view shows, how the front end's
requests are answered, and the jobs, workers and timers behind them.

Nothing here needs traitlets: the widget maps its traits and messages onto these modules.
"""
