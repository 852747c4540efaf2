console.log('fleetshift');
