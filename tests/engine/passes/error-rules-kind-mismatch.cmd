prepare nash-e qat
