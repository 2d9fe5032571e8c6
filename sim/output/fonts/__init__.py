"""The CJK font parksim ships so that Chinese draws on a fresh machine: a subset of
Noto Sans CJK SC (SIL Open Font License 1.1, `OFL.txt`) covering GB 2312 and every
character of the project's own Chinese text, renamed `Parksim CJK SC`. `build.py`
regenerates it; `sim.output.charts.fonts` registers it with matplotlib.
"""
