prepare nash-e calibration
