"""The business expectations, validated with Great Expectations: the suites (`suites`), the frames they validate
(`families`) and the worker process that imports GX while a run does other work (`worker`)."""
