// placeholder: issue 5 fills this module
