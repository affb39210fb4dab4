"""What the API sends and accepts, one module per topic. Output serializers describe the
selectors' own rows (dataclasses); input serializers check types and sizes only, and
leave every rule to the services."""
