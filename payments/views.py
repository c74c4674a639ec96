"""The payments pages: a person's choice and the Collaborative's settings; claims, approval and paying;
statements, letters and the commissioners' totals."""
