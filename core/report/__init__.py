"""The stakeholder report: one self-contained HTML page (and a PDF of it) telling the data's story.

:func:`~core.report.build.build_report` makes the page, :func:`~core.report.build.write_atomic`
writes it without leaving half a file, :mod:`core.report.pdf` prints it. No Streamlit here:
the CLI (``omnimix report``) and the dashboard's sidebar button share this code.
"""
