#!/usr/bin/env python
print('hi')
