console.log('k6 run')
