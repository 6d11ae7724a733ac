#!/bin/bash
set -e
cd reminders && zip -qr ../reminders.zip . && cd ..
aws lambda update-function-code --function-name reminders --zip-file fileb://reminders.zip
