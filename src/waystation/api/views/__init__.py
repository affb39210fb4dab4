"""The API's views, one module per topic, and the token pages of "My account"
(``tokens``). Each view parses, calls one selector or service, and answers."""
