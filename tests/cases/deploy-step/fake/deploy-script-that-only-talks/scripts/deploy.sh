#!/bin/bash
echo "aws lambda update-function-code --function-name reminders"
# aws lambda update-function-code --function-name reminders --zip-file fileb://reminders.zip
echo "deployed!"
