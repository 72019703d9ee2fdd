"""Field work of grid workers (巡查, 走访, 任务) and the offline sync of the phone app (DESIGN rule 5)."""
