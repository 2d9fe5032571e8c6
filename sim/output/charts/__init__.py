"""The charts of a run, one module per chart (`recovery`, `causes`, `logistics`), and
the look they share with every other chart (`style`). Each chart is drawn from the
files of a results folder, never from the model.
"""
