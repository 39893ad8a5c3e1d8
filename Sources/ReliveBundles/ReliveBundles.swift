// placeholder: issue 6 fills this module
