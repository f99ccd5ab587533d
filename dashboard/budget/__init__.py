"""The Budget page's sections: data source, controls, trust, optimiser, plan, charts, cached model."""
