import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="lora-tagger-widget")


@app.cell(hide_code=True)
def _(mo):
    mo.md("""
    # lora-tagger-widget in marimo

    Tag the images of a LoRA training set: each image `name.jpg` gets its caption in
    `name.txt` beside it. With no folder given, this notebook makes a small sample set in
    `sample_data/` next to it (once; your tagging is never overwritten). To tag your own
    folder: `marimo edit notebooks/marimo_tagger.py -- --folder ./imgs`.
    """)
    return


@app.cell
def _():
    import marimo as mo

    from lora_tagger_widget import TaggerWidget, make_sample_dataset

    return TaggerWidget, make_sample_dataset, mo


@app.cell
def _(make_sample_dataset, mo):
    folder = mo.cli_args().get("folder") or make_sample_dataset(mo.notebook_dir() / "sample_data")
    return (folder,)


@app.cell
def _(TaggerWidget, folder, mo):
    tagger = mo.ui.anywidget(TaggerWidget(folder))
    tagger
    return (tagger,)


@app.cell(hide_code=True)
def _(mo):
    mo.md("""
    `tagger.value` holds the widget's state (`index`, `count`, `progress`, ...), and
    `tagger.dataset` is the data set, as in Jupyter. Browsing and tagging change that state
    in Python, which marimo does not watch by itself; a `mo.state` fed by the widget's
    `observe` makes the cell below follow the widget:
    """)
    return


@app.cell
def _(mo, tagger):
    get_tagger_state, set_tagger_state = mo.state(tagger.value)
    tagger.widget.observe(
        lambda _change: set_tagger_state(tagger.value), names=["index", "progress"]
    )
    return (get_tagger_state,)


@app.cell
def _(get_tagger_state, mo):
    _state = get_tagger_state()
    _progress = _state["progress"]
    mo.md(
        f"Image {_state['index'] + 1} of {_state['count']}: "
        f"**{_progress.get('tagged', 0)}** tagged, {_progress.get('reviewed', 0)} reviewed."
    )
    return


if __name__ == "__main__":
    app.run()
