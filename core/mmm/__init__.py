"""Marketing-mix modelling: adstock, saturation, the regression model and the budget optimiser."""
